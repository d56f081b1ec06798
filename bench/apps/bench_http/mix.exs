# SPDX-License-Identifier: MIT
# The release bench/http serves: a minimal HTTP/1.1 server on plain
# :gen_tcp (port 8080), OTP and Elixir only, no Hex packages. The same
# release is booted on Kiln and on the Linux microVM.
defmodule BenchHttp.MixProject do
  use Mix.Project

  def project do
    [
      app: :bench_http,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [bench_http: [include_erts: true, include_executables_for: [:unix]]]
    ]
  end

  def application do
    [extra_applications: [:logger], mod: {BenchHttp, []}]
  end
end
