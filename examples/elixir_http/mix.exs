# SPDX-License-Identifier: MIT
# Kiln's demo app: a supervised HTTP/1.1 server on plain :gen_tcp (port
# 8080), OTP and the Elixir standard library only (no Hex packages), built
# with a DEFAULT `mix release` (ERTS included, distribution on: the Kiln
# kernel starts the release's epmd). See README.md in this directory.
defmodule ElixirHttp.MixProject do
  use Mix.Project

  def project do
    [
      app: :elixir_http,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: []
    ]
  end

  def application do
    [extra_applications: [:logger], mod: {ElixirHttp.Application, []}]
  end
end
