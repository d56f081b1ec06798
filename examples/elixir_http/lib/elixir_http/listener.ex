# SPDX-License-Identifier: MIT
defmodule ElixirHttp.Listener do
  @moduledoc """
  Owns the listening socket and a pool of acceptors, each blocked in
  `:gen_tcp.accept/1`; every connection is served by its own process under
  `ElixirHttp.ConnSup` (`ElixirHttp.Conn`).
  """
  use GenServer

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    {:ok, lsock} =
      :gen_tcp.listen(Keyword.fetch!(opts, :port), [
        :binary,
        packet: :http_bin,
        active: false,
        reuseaddr: true,
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
        {:ok, pid} =
          Task.Supervisor.start_child(ElixirHttp.ConnSup, fn -> ElixirHttp.Conn.serve(sock) end)

        :ok = :gen_tcp.controlling_process(sock, pid)
        send(pid, :go)
        accept_loop(lsock)

      {:error, reason} when reason in [:econnaborted, :emfile, :enfile] ->
        Process.sleep(10)
        accept_loop(lsock)
    end
  end
end
