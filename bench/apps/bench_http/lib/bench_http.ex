# SPDX-License-Identifier: MIT
defmodule BenchHttp do
  @moduledoc """
  A listening socket on port 8080 with a pool of acceptors; every accepted
  connection gets its own process, which answers requests one after the
  other (HTTP/1.1 keep-alive) until the client sends `Connection: close`,
  closes, or stays idle for 60 s. `GET /` answers "hello\\n"; anything else
  404. Prints "bench_http: ready" once the port is open.
  """
  use Application

  @port 8080
  @acceptors 16
  @idle_ms 60_000

  @impl true
  def start(_type, _args) do
    {:ok, lsock} =
      :gen_tcp.listen(@port, [:binary, packet: :http_bin, active: false,
        reuseaddr: true, nodelay: true, backlog: 1024])

    children =
      for i <- 1..@acceptors do
        Supervisor.child_spec({Task, fn -> accept_loop(lsock) end}, id: {:acceptor, i})
      end

    {:ok, pid} = Supervisor.start_link(children, strategy: :one_for_one)
    IO.puts("bench_http: ready port #{@port}")
    {:ok, pid}
  end

  defp accept_loop(lsock) do
    case :gen_tcp.accept(lsock) do
      {:ok, sock} ->
        pid = spawn(fn -> receive do: (:go -> serve(sock)) end)
        :ok = :gen_tcp.controlling_process(sock, pid)
        send(pid, :go)

      {:error, _} ->
        Process.sleep(10)
    end

    accept_loop(lsock)
  end

  defp serve(sock) do
    case read_request(sock) do
      {:ok, path, close?} ->
        {status, body} = if path == "/", do: {"200 OK", "hello\n"}, else: {"404 Not Found", "not found\n"}
        conn = if close?, do: "close", else: "keep-alive"

        head = [
          "HTTP/1.1 ", status, "\r\ncontent-type: text/plain\r\ncontent-length: ",
          Integer.to_string(byte_size(body)), "\r\nconnection: ", conn, "\r\n\r\n"
        ]

        case :gen_tcp.send(sock, [head, body]) do
          :ok when not close? -> serve(sock)
          _ -> :gen_tcp.close(sock)
        end

      :closed ->
        :gen_tcp.close(sock)
    end
  end

  defp read_request(sock) do
    case :gen_tcp.recv(sock, 0, @idle_ms) do
      {:ok, {:http_request, _method, {:abs_path, path}, version}} ->
        read_headers(sock, path, version == {1, 0})

      _ ->
        :closed
    end
  end

  defp read_headers(sock, path, close?) do
    case :gen_tcp.recv(sock, 0, @idle_ms) do
      {:ok, :http_eoh} ->
        {:ok, path, close?}

      {:ok, {:http_header, _, :Connection, _, value}} ->
        v = String.downcase(value)
        read_headers(sock, path, v == "close" or (close? and v != "keep-alive"))

      {:ok, {:http_header, _, _, _, _}} ->
        read_headers(sock, path, close?)

      _ ->
        :closed
    end
  end
end
