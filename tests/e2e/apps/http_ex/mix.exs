# SPDX-License-Identifier: MIT
# An HTTP/1.1 server on plain :gen_tcp (port 8080) and a UDP echo (port
# 8081) for Kiln's networking end-to-end tests, released with a DEFAULT
# `mix release` configuration: distribution stays on (sname), so the node
# needs epmd, which the Kiln kernel starts first. No Hex packages.
defmodule HttpEx.MixProject do
  use Mix.Project

  def project do
    [
      app: :http_ex,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [
        http_ex: [include_erts: true, include_executables_for: [:unix]]
      ]
    ]
  end

  def application do
    [extra_applications: [:logger], mod: {HttpEx.Application, []}]
  end
end
