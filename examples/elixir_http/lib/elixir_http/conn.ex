# SPDX-License-Identifier: MIT
defmodule ElixirHttp.Conn do
  @moduledoc """
  One HTTP/1.1 connection, read with the `:http_bin` packet parser, request
  after request (keep-alive) until the client closes, sends
  `Connection: close`, or stays silent for 60 s.

    GET /        -> 200, a greeting: OS type, node name, uptime, schedulers
    GET /health  -> 200 "ok\\n"
    anything else -> 404
  """
  @idle_ms 60_000

  def serve(sock) do
    receive do
      :go -> loop(sock)
    end
  end

  defp loop(sock) do
    case read_request(sock) do
      {:ok, method, path, close?} ->
        {status, body} = route(method, path)
        conn = if close?, do: "close", else: "keep-alive"

        head =
          "HTTP/1.1 #{status}\r\ncontent-type: text/plain\r\n" <>
            "content-length: #{byte_size(body)}\r\nconnection: #{conn}\r\n\r\n"

        case :gen_tcp.send(sock, [head, body]) do
          :ok when not close? -> loop(sock)
          _ -> :gen_tcp.close(sock)
        end

      _closed_or_bad ->
        :gen_tcp.close(sock)
    end
  end

  defp route("GET", "/"), do: {"200 OK", greeting()}
  defp route("GET", "/health"), do: {"200 OK", "ok\n"}
  defp route(_, _), do: {"404 Not Found", "not found\n"}

  defp greeting do
    {family, name} = :os.type()
    {uptime_ms, _} = :erlang.statistics(:wall_clock)

    """
    Hello from Elixir #{System.version()} on Kiln!
    os:        #{family}/#{name} #{os_version()}
    node:      #{node()}
    otp:       #{System.otp_release()} (erts #{:erlang.system_info(:version)})
    uptime:    #{uptime_ms} ms
    schedulers: #{System.schedulers_online()}
    """
  end

  defp os_version do
    case :os.version() do
      {a, b, c} -> "#{a}.#{b}.#{c}"
      other -> to_string(other)
    end
  end

  defp read_request(sock) do
    case :gen_tcp.recv(sock, 0, @idle_ms) do
      {:ok, {:http_request, method, {:abs_path, path}, version}} ->
        read_headers(sock, to_string(method), path, version == {1, 0})

      _ ->
        :closed
    end
  end

  defp read_headers(sock, method, path, close?) do
    case :gen_tcp.recv(sock, 0, @idle_ms) do
      {:ok, :http_eoh} ->
        {:ok, method, path, close?}

      {:ok, {:http_header, _, :Connection, _, value}} ->
        v = String.downcase(value)
        close? = if v == "close", do: true, else: close? and v != "keep-alive"
        read_headers(sock, method, path, close?)

      {:ok, {:http_header, _, _, _, _}} ->
        read_headers(sock, method, path, close?)

      _ ->
        :closed
    end
  end
end
