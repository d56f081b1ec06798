# SPDX-License-Identifier: MIT
# Kiln's Mix integration, used as a path dependency:
#   {:kiln, path: "PATH/TO/kiln/integrations/mix", runtime: false}
# See README.md in this directory.
defmodule Kiln.MixProject do
  use Mix.Project

  def project do
    [app: :kiln, version: "0.1.0", elixir: "~> 1.14", deps: []]
  end

  def application, do: []
end
