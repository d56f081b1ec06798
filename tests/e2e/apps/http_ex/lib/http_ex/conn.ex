# SPDX-License-Identifier: MIT
defmodule HttpEx.Conn do
  @moduledoc """
  One HTTP/1.1 connection: requests are read with the `:http_bin` packet
  parser, one after the other (keep-alive), until the client sends
  `Connection: close`, closes, or sends nothing for 60 s.

    GET /          -> 200 "hello from http_ex\\n"
    GET /echo?Q    -> 200 "echo Q LEN\\n" where LEN is byte_size(Q)
    anything else  -> 404
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
        {status, body} = respond(method, path)
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

  defp respond("GET", "/"), do: {"200 OK", "hello from http_ex\n"}

  defp respond("GET", "/echo?" <> q), do: {"200 OK", "echo #{q} #{byte_size(q)}\n"}

  # /resolve?NAME,A.B.C.D,PORT: inet_res (OTP's DNS client) asks that
  # server for NAME's A record; /native?NAME: OTP's native lookup (the
  # inet_gethost port program, fork+exec, glibc's getaddrinfo).
  defp respond("GET", "/resolve?" <> q) do
    [name, ns, port] = String.split(q, ",")
    {:ok, ip} = :inet.parse_ipv4_address(String.to_charlist(ns))
    opts = [nameservers: [{ip, String.to_integer(port)}], timeout: 5000]
    case :inet_res.lookup(String.to_charlist(name), :in, :a, opts) do
      [ip | _] -> {"200 OK", "#{:inet.ntoa(ip)}\n"}
      [] -> {"502 Bad Gateway", "nxdomain or no answer\n"}
    end
  end

  defp respond("GET", "/native?" <> name) do
    answer(:inet_gethost_native.gethostbyname(String.to_charlist(name)))
  end

  # /meminfo: the kernel's free memory and the BEAM's total (soak test)
  defp respond("GET", "/meminfo") do
    free =
      File.read!("/proc/meminfo")
      |> String.split("\n")
      |> Enum.find_value(fn l ->
        case String.split(l) do
          ["MemFree:", kb, "kB"] -> kb
          _ -> nil
        end
      end)

    {"200 OK", "free_kb #{free} beam_bytes #{:erlang.memory(:total)}\n"}
  end

  defp respond(_, _), do: {"404 Not Found", "not found\n"}

  defp answer({:ok, {:hostent, _, _, _, _, [ip | _]}}),
    do: {"200 OK", "#{:inet.ntoa(ip)}\n"}

  defp answer(other), do: {"502 Bad Gateway", "#{inspect(other)}\n"}

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
        read_headers(sock, method, path, if(v == "close", do: true, else: close? and v != "keep-alive"))

      {:ok, {:http_header, _, _, _, _}} ->
        read_headers(sock, method, path, close?)

      _ ->
        :closed
    end
  end
end
