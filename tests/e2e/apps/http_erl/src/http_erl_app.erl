%% SPDX-License-Identifier: MIT
%% Starts inets httpd on the configured port with one request module,
%% http_erl_mod, under the application's own supervisor (this module),
%% and prints "http_erl: ready ..." once it listens.
%%
%% With PING_NODE=NAME@HOST (and PING_ADDR=A.B.C.D, PING_COOKIE=C) in the
%% environment it also pings that node: HOST is added to the resolver's
%% host table as PING_ADDR, the cookie is set for that node, and it prints
%% "http_erl: ping NAME@HOST pong" (or "pang" after 60 s of tries), then
%% the remote node's name as returned by rpc:call(Node, erlang, node, []).
-module(http_erl_app).
-behaviour(application).
-behaviour(supervisor).
-export([start/2, stop/1, init/1]).

start(_Type, _Args) ->
    {ok, Port} = application:get_env(http_erl, port),
    Root = filename:join(code:priv_dir(http_erl), "www"),
    ok = filelib:ensure_dir(filename:join(Root, "x")),
    Config = [{port, Port},
              {server_name, "http_erl"},
              {server_root, Root},
              {document_root, Root},
              {bind_address, any},
              {keep_alive, true},
              {max_keep_alive_request, 1000000},
              {keep_alive_timeout, 60},
              {max_clients, 2000},
              {modules, [http_erl_mod]}],
    %% httpd runs stand-alone under our own supervisor, so that stopping
    %% the application (SIGTERM -> init:stop) stops it too.
    {ok, Sup} = supervisor:start_link(?MODULE, Config),
    io:format("http_erl: ready http ~p node ~p~n", [Port, node()]),
    case os:getenv("PING_NODE") of
        false -> ok;
        Node -> spawn(fun() -> ping(list_to_atom(Node)) end)
    end,
    {ok, Sup}.

init(Config) ->
    Httpd = #{id => httpd,
              start => {inets, start, [httpd, Config, stand_alone]},
              type => supervisor,
              shutdown => infinity},
    {ok, {#{strategy => one_for_one}, [Httpd]}}.

stop(_State) ->
    ok.

ping(Node) ->
    [_, Host] = string:split(atom_to_list(Node), "@"),
    case os:getenv("PING_ADDR") of
        false -> ok;
        Addr ->
            {ok, Ip} = inet:parse_ipv4_address(Addr),
            ok = inet_db:add_host(Ip, [Host])
    end,
    case os:getenv("PING_COOKIE") of
        false -> ok;
        Cookie -> true = erlang:set_cookie(Node, list_to_atom(Cookie))
    end,
    Result = ping_loop(Node, 60),
    io:format("http_erl: ping ~p ~p~n", [Node, Result]),
    case Result of
        pong ->
            io:format("http_erl: remote node ~p~n",
                      [rpc:call(Node, erlang, node, [])]);
        pang -> ok
    end.

ping_loop(Node, 0) ->
    net_adm:ping(Node);
ping_loop(Node, N) ->
    case net_adm:ping(Node) of
        pong -> pong;
        pang -> timer:sleep(1000), ping_loop(Node, N - 1)
    end.
