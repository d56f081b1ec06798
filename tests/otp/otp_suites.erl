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
%% OTP_DIST=1 makes the node distributed first (see start_distribution);
%% OTP_MULTIPLY_TIMETRAPS=N is ct's multiply_timetraps (default 1);
%% OTP_CASES="a b" runs only those cases (of a single suite); entries
%% SUITE:case name a case of that suite, and a suite none of whose cases
%% is named is not run.
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
    start_distribution(os:getenv("OTP_DIST", "0")),
    io:format(user, "otp-suites: running ~p from ~s on ~s~n",
              [Suites, TestDir, erlang:system_info(system_version)]),
    Status = lists:foldl(fun(S, Acc) -> max(Acc, run(S, TestDir, LogDir)) end,
                         0, Suites),
    io:format(user, "otp-suites: done~n", []),
    erlang:halt(Status).

%% OTP_DIST=1: make this node distributed (the cases that start peer nodes
%% need it) after starting the release's own epmd as a port program, so
%% the same release and image work with and without it. On the host an
%% epmd that already runs keeps port 4369 and ours exits.
start_distribution("1") ->
    Epmd = filename:join([code:root_dir(), "erts-" ++ erlang:system_info(version),
                          "bin", "epmd"]),
    _ = open_port({spawn_executable, Epmd}, [{args, ["-daemon"]}, nouse_stdio]),
    start_net_kernel(100);
start_distribution(_) ->
    ok.

start_net_kernel(Tries) ->
    case net_kernel:start(otp_suites, #{name_domain => shortnames}) of
        {ok, _} ->
            io:format(user, "otp-suites: distributed as ~s~n", [node()]);
        {error, Reason} when Tries =< 1 ->
            io:format(user, "otp-suites: no distribution: ~0p~n", [Reason]);
        {error, _} ->
            timer:sleep(200),
            start_net_kernel(Tries - 1)
    end.

run(Suite, TestDir, LogDir) ->
    case cases(Suite, string:lexemes(os:getenv("OTP_CASES", ""), " ")) of
        none -> 0;
        Cases -> run(Suite, TestDir, LogDir, Cases)
    end.

%% OTP_CASES for Suite: [] (all), [{testcase, Cs}], or none (not named).
cases(_Suite, []) ->
    [];
cases(Suite, Entries) ->
    S = atom_to_list(Suite),
    case [C || E <- Entries, C <- case string:split(E, ":") of
                                      [S, C0] -> [C0];
                                      [_, _] -> [];
                                      [C0] -> [C0]
                                  end] of
        [] -> none;
        Cs -> [{testcase, [list_to_atom(C) || C <- Cs]}]
    end.

run(Suite, TestDir, LogDir, Cases) ->
    T0 = erlang:monotonic_time(millisecond),
    Mult = list_to_integer(os:getenv("OTP_MULTIPLY_TIMETRAPS", "1")),
    Res = ct:run_test([{dir, TestDir}, {suite, Suite}, {logdir, LogDir},
                       {auto_compile, false}, {ct_hooks, [otp_suites_cth]},
                       {multiply_timetraps, Mult}, {verbosity, 0} | Cases]),
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
