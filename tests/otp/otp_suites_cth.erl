%% SPDX-License-Identifier: MIT
%% common_test hook for tests/otp: prints one `otp-case SUITE CASE STATUS`
%% line per test case as its result is known and sends every failed case to
%% the otp_suites runner. A later line for the same case replaces an earlier
%% one (on_tc_fail follows post_end_per_testcase). Cases are named without
%% their groups: in these suites a name is unique in its suite (the groups
%% that repeat cases per inet backend are off unless the kernel env
%% test_inet_backends is set).
-module(otp_suites_cth).
-export([init/2, post_end_per_testcase/5, on_tc_fail/4, on_tc_skip/4,
         terminate/1]).

init(_Id, _Opts) ->
    {ok, none}.

post_end_per_testcase(Suite, TC, _Config, Return, State) ->
    Status = case Return of
                 {skip, _} -> skipped;
                 {skipped, _} -> skipped;
                 {fail, _} -> failed;
                 {failed, _} -> failed;
                 {error, _} -> failed;
                 {'EXIT', _} -> failed;
                 {timetrap_timeout, _} -> failed;
                 _ -> ok
             end,
    report(Suite, TC, Status, Return),
    {Return, State}.

on_tc_fail(Suite, TC, Reason, State) ->
    report(Suite, TC, failed, Reason),
    State.

on_tc_skip(Suite, TC, Reason, State) ->
    report(Suite, TC, skipped, Reason),
    State.

terminate(_State) ->
    ok.

%% Configuration functions (init_per_suite, ...) are not cases: ct counts
%% only test cases, and so do we. Failures and skips carry their reason,
%% cut to one line.
report(Suite, {TC, Group}, Status, Why) when is_atom(Group) ->
    report(Suite, TC, Status, Why);
report(_Suite, F, _Status, _Why)
  when F =:= init_per_suite; F =:= end_per_suite;
       F =:= init_per_group; F =:= end_per_group ->
    ok;
report(Suite, TC, ok, _Why) when is_atom(TC) ->
    io:format(user, "otp-case ~s ~s ok~n", [Suite, TC]);
report(Suite, TC, Status, Why) when is_atom(TC) ->
    io:format(user, "otp-case ~s ~s ~s ~ts~n",
              [Suite, TC, Status, string:slice(io_lib:format("~0tP", [Why, 12]), 0, 300)]),
    case Status of
        failed -> catch otp_suites ! {otp_suites_failed, Suite, atom_to_list(TC)};
        _ -> ok
    end,
    ok;
report(_Suite, _Other, _Status, _Why) ->
    ok.
