# SPDX-License-Identifier: MIT
defmodule HttpEx.UdpEcho do
  @moduledoc "Sends every UDP datagram on its port back to the sender, prefixed with \"echo \"."
  use GenServer

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    {:ok, sock} = :gen_udp.open(Keyword.fetch!(opts, :port), [:binary, active: true])
    {:ok, sock}
  end

  @impl true
  def handle_info({:udp, sock, ip, port, data}, sock) do
    :ok = :gen_udp.send(sock, ip, port, ["echo ", data])
    {:noreply, sock}
  end
end
