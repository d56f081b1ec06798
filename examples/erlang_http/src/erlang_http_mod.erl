%% SPDX-License-Identifier: MIT
%% An inets httpd request module (httpd's "Erlang Web Server API"):
%%   GET /        -> 200, a greeting: OS type, node name, uptime
%%   GET /health  -> 200 "ok\n"
%%   anything else -> 404
%% httpd itself handles keep-alive and Connection: close.
-module(erlang_http_mod).
-export([do/1]).

-include_lib("inets/include/httpd.hrl").

do(#mod{method = "GET", request_uri = "/"}) ->
    reply(200, greeting());
do(#mod{method = "GET", request_uri = "/health"}) ->
    reply(200, <<"ok\n">>);
do(#mod{}) ->
    reply(404, <<"not found\n">>).

greeting() ->
    {Family, Name} = os:type(),
    {UptimeMs, _} = erlang:statistics(wall_clock),
    iolist_to_binary(io_lib:format(
        "Hello from Erlang/OTP ~s on Kiln!~n"
        "os:         ~p/~p~n"
        "node:       ~p~n"
        "uptime:     ~p ms~n"
        "schedulers: ~p~n",
        [erlang:system_info(otp_release), Family, Name, node(), UptimeMs,
         erlang:system_info(schedulers_online)])).

reply(Code, Body) ->
    Head = [{code, Code}, {content_type, "text/plain"},
            {content_length, integer_to_list(byte_size(Body))}],
    {proceed, [{response, {response, Head, Body}}]}.
