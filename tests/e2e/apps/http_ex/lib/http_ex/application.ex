# SPDX-License-Identifier: MIT
defmodule HttpEx.Application do
  @moduledoc false
  use Application

  # The listener (with its acceptor pool), the connection supervisor and the
  # UDP echo. Prints "http_ex: ready ..." once both ports are open, so tests
  # know when to start.
  @impl true
  def start(_type, _args) do
    children = [
      {Task.Supervisor, name: HttpEx.ConnSup},
      {HttpEx.Listener, port: 8080, acceptors: 16},
      {HttpEx.UdpEcho, port: 8081}
    ]

    with {:ok, pid} <- Supervisor.start_link(children, strategy: :one_for_one, name: HttpEx.Supervisor) do
      IO.puts("http_ex: ready http 8080 udp 8081 node #{node()}")
      {:ok, pid}
    end
  end
end
