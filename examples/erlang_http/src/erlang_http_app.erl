%% SPDX-License-Identifier: MIT
%% Starts inets httpd on the configured port with one request module,
%% erlang_http_mod, and prints "erlang_http: ready ..." once it listens.
%%
%% httpd runs stand-alone under the application's own supervisor (this
%% module). Do not return the pid of inets:start(httpd, ...) from start/2:
%% that process belongs to inets, and stopping the release on SIGTERM then
%% hangs in application:stop.
-module(erlang_http_app).
-behaviour(application).
-behaviour(supervisor).
-export([start/2, stop/1, init/1]).

start(_Type, _Args) ->
    {ok, Port} = application:get_env(erlang_http, port),
    Root = filename:join(code:priv_dir(erlang_http), "www"),
    ok = filelib:ensure_dir(filename:join(Root, "x")),
    Config = [{port, Port},
              {server_name, "erlang_http"},
              {server_root, Root},
              {document_root, Root},
              {bind_address, any},
              {keep_alive, true},
              {modules, [erlang_http_mod]}],
    {ok, Sup} = supervisor:start_link(?MODULE, Config),
    io:format("erlang_http: ready http ~p node ~p~n", [Port, node()]),
    {ok, Sup}.

init(Config) ->
    Httpd = #{id => httpd,
              start => {inets, start, [httpd, Config, stand_alone]},
              type => supervisor,
              shutdown => infinity},
    {ok, {#{strategy => one_for_one}, [Httpd]}}.

stop(_State) ->
    ok.
