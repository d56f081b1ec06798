%% SPDX-License-Identifier: MIT
%% Kiln e2e test app: prints one line per check ("hello_erl: NAME ok ..."
%% or "... FAILED ..."), then stops the node: status 0 if every check
%% passed, else 1. Checks: console output, a NIF (crypto), a port program
%% in priv/ (exit status 3), a file in the tmp directory, sys.config and
%% an -env variable from vm.args.
-module(hello_erl_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) ->
    Pid = spawn(fun run/0),
    {ok, Pid}.

stop(_State) ->
    ok.

run() ->
    io:format("hello_erl: io:format ok ~p~n", [42]),
    Results = [crypto(), port(), tmp_file(), config(), env()],
    io:format("hello_erl: emu_flavor ~s~n",
              [erlang:system_info(emu_flavor)]),
    case lists:all(fun(R) -> R end, Results) of
        true ->
            io:format("hello_erl: all checks passed~n"),
            init:stop(0);
        false ->
            io:format("hello_erl: some checks FAILED~n"),
            init:stop(1)
    end.

check(Name, true, Detail) -> report(Name, "ok", Detail, true);
check(Name, false, Detail) -> report(Name, "FAILED", Detail, false).

report(Name, Word, Detail, Result) ->
    io:format("hello_erl: ~s ~s ~ts~n", [Name, Word, Detail]),
    Result.

crypto() ->
    Hex = string:lowercase(binary:encode_hex(crypto:hash(sha256, <<"kiln">>))),
    Want = <<"cdfe9ad58b46226d63eb322dacd35f4f7ac38096180c87258c142e4bca9a3cf5">>,
    check("sha256", Hex =:= Want, Hex).

port() ->
    Prog = filename:join(code:priv_dir(hello_erl), "portprog"),
    Port = open_port({spawn_executable, Prog},
                     [{args, ["one", "two words"]}, exit_status, binary,
                      stderr_to_stdout]),
    {Out, Status} = collect(Port, <<>>),
    Want = <<"portprog: argc=3\nportprog: arg1=one\nportprog: arg2=two words\n">>,
    check("port", Out =:= Want andalso Status =:= 3,
          io_lib:format("status=~p out=~p", [Status, Out])).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, <<Acc/binary, D/binary>>);
        {Port, {exit_status, S}} -> {Acc, S}
    after 10000 -> {Acc, timeout}
    end.

tmp_file() ->
    Dir = case os:getenv("TMPDIR") of
              false -> "/tmp";
              D -> D
          end,
    Path = filename:join(Dir, "hello_erl." ++
                             integer_to_list(erlang:unique_integer([positive]))),
    Data = <<"kiln tmp file\n">>,
    ok = file:write_file(Path, Data),
    {ok, Back} = file:read_file(Path),
    ok = file:delete(Path),
    check("tmp_file", Back =:= Data, Path).

config() ->
    V = application:get_env(hello_erl, greeting),
    check("sys.config", V =:= {ok, "hello from sys.config"},
          io_lib:format("~p", [V])).

env() ->
    V = os:getenv("HELLO_ERL_ENV"),
    check("vm.args -env", V =:= "from vm.args", io_lib:format("~p", [V])).
