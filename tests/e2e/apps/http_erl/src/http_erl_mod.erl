%% SPDX-License-Identifier: MIT
%% An inets httpd request module (see httpd's "Erlang Web Server API"):
%%   GET /          -> 200 "hello from http_erl\n"
%%   GET /echo?Q    -> 200 "echo Q LEN\n", LEN the byte length of Q
%%   anything else  -> 404
%% httpd handles keep-alive and Connection: close itself.
-module(http_erl_mod).
-export([do/1]).

-include_lib("inets/include/httpd.hrl").

do(#mod{method = "GET", request_uri = "/"}) ->
    reply(200, <<"hello from http_erl\n">>);
do(#mod{method = "GET", request_uri = "/echo?" ++ Q}) ->
    reply(200, iolist_to_binary(["echo ", Q, " ", integer_to_list(length(Q)),
                                 "\n"]));
do(#mod{}) ->
    reply(404, <<"not found\n">>).

reply(Code, Body) ->
    Head = [{code, Code}, {content_type, "text/plain"},
            {content_length, integer_to_list(byte_size(Body))}],
    {proceed, [{response, {response, Head, Body}}]}.
