%% SPDX-License-Identifier: MIT
%% Runs OTP's own socket suites with common_test at boot and halts: the
%% application callback of the otp_suites release (tests/otp/run-suites.sh).
%% The suites come from the env var OTP_SUITES (space separated; default
%% the four below), their beams and data dirs from this application's test/
%% directory. Prints, per suite, the line run-suites.sh compares:
%%   otp-suite SUITE: N ok, N failed, N skipped
%%   otp-suite SUITE failed: CASE ...
%% and per case (from otp_suites_cth) `otp-case SUITE CASE STATUS`.
%% Halts with 0 when every suite ran (failures are judged by the caller).
-module(otp_suites).
-behaviour(application).
-export([start/2, stop/1, main/0]).

-define(DEFAULT, "gen_tcp_api_SUITE gen_udp_SUITE inet_SUITE gen_tcp_misc_SUITE").

start(_Type, _Args) ->
    {ok, spawn_link(fun() -> main(), receive stop -> ok end end)}.

stop(_State) ->
    ok.

main() ->
    Suites = [list_to_atom(S) || S <- string:lexemes(
        os:getenv("OTP_SUITES", ?DEFAULT), " ")],
    LogDir = os:getenv("OTP_CT_LOGDIR", "/tmp/ct"),
    ok = filelib:ensure_path(LogDir),
    TestDir = filename:join(code:lib_dir(otp_suites), "test"),
    register(otp_suites, self()),
    io:format(user, "otp-suites: running ~p from ~s on ~s~n",
              [Suites, TestDir, erlang:system_info(system_version)]),
    Status = lists:foldl(fun(S, Acc) -> max(Acc, run(S, TestDir, LogDir)) end,
                         0, Suites),
    io:format(user, "otp-suites: done~n", []),
    erlang:halt(Status).

run(Suite, TestDir, LogDir) ->
    T0 = erlang:monotonic_time(millisecond),
    Res = ct:run_test([{dir, TestDir}, {suite, Suite}, {logdir, LogDir},
                       {auto_compile, false}, {ct_hooks, [otp_suites_cth]},
                       {verbosity, 0}]),
    Secs = (erlang:monotonic_time(millisecond) - T0) div 1000,
    Failed = lists:usort(collect(Suite)),
    case Res of
        {Ok, Fail, {USkip, ASkip}} ->
            io:format(user, "otp-suite ~s: ~b ok, ~b failed, ~b skipped (~b s)~n",
                      [Suite, Ok, Fail, USkip + ASkip, Secs]),
            io:format(user, "otp-suite ~s failed:~s~n",
                      [Suite, [[$\s | C] || C <- Failed]]),
            0;
        Other ->
            io:format(user, "otp-suite ~s: error ~0p~n", [Suite, Other]),
            1
    end.

%% The failed cases otp_suites_cth reported for Suite, in order.
collect(Suite) ->
    receive
        {otp_suites_failed, Suite, Case} -> [Case | collect(Suite)]
    after 0 -> []
    end.
