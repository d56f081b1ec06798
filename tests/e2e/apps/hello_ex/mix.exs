# SPDX-License-Identifier: MIT
# A small Elixir release for Kiln's end-to-end tests: its application start
# exercises console output, a NIF (crypto), a port program shipped in priv/
# (forker + execve), the tmp directory, then stops the VM with status 0.
# Built by tests/e2e/make-apps.sh with Debian's Elixir, no Hex packages.
defmodule HelloEx.MixProject do
  use Mix.Project

  def project do
    [
      app: :hello_ex,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [
        hello_ex: [
          include_erts: true,
          include_executables_for: [:unix],
          applications: [hello_ex: :permanent]
        ]
      ]
    ]
  end

  def application do
    [
      extra_applications: [:logger, :crypto],
      mod: {HelloEx.Application, []}
    ]
  end
end
