# SPDX-License-Identifier: MIT
defmodule HttpEx.Listener do
  @moduledoc """
  Owns the listening socket and a pool of acceptor processes, each blocked in
  `:gen_tcp.accept/1`; every accepted connection gets its own process under
  `HttpEx.ConnSup` (HttpEx.Conn), and the acceptor goes back to accepting.
  """
  use GenServer

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    port = Keyword.fetch!(opts, :port)

    {:ok, lsock} =
      :gen_tcp.listen(port, [
        :binary,
        packet: :http_bin,
        active: false,
        reuseaddr: true,
        nodelay: true,
        backlog: 1024
      ])

    for _ <- 1..Keyword.fetch!(opts, :acceptors) do
      spawn_link(fn -> accept_loop(lsock) end)
    end

    {:ok, lsock}
  end

  defp accept_loop(lsock) do
    case :gen_tcp.accept(lsock) do
      {:ok, sock} ->
        {:ok, pid} = Task.Supervisor.start_child(HttpEx.ConnSup, fn -> HttpEx.Conn.serve(sock) end)
        :ok = :gen_tcp.controlling_process(sock, pid)
        send(pid, :go)
        accept_loop(lsock)

      {:error, reason} when reason in [:econnaborted, :emfile, :enfile] ->
        Process.sleep(10)
        accept_loop(lsock)
    end
  end
end
