# SPDX-License-Identifier: MIT
defmodule ElixirHttp.Application do
  @moduledoc false
  use Application

  # The connection supervisor and the listener with its acceptor pool.
  # Prints "elixir_http: ready ..." once the port is open.
  @impl true
  def start(_type, _args) do
    port = String.to_integer(System.get_env("PORT", "8080"))

    children = [
      {Task.Supervisor, name: ElixirHttp.ConnSup},
      {ElixirHttp.Listener, port: port, acceptors: 8}
    ]

    opts = [strategy: :one_for_one, name: ElixirHttp.Supervisor]

    with {:ok, pid} <- Supervisor.start_link(children, opts) do
      IO.puts("elixir_http: ready http #{port} node #{node()}")
      {:ok, pid}
    end
  end
end
