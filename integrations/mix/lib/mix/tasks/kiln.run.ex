# SPDX-License-Identifier: MIT
defmodule Mix.Tasks.Kiln.Run do
  @shortdoc "Boots the release's Kiln image with kiln run"
  @moduledoc """
  Boots `_build/ENV/rel/NAME.img` (written by the `Kiln.Release.image/1`
  release step) with `kiln run`:

      MIX_ENV=prod mix kiln.run [--release NAME] [-p HOST:GUEST]... [-- KILN_RUN_ARGS]

  Ports come from the release's `kiln: [ports: ["8080:8080"]]` and from
  `-p` flags; `cpus:` and `mem:` (MiB) from the same options. Arguments
  after `--` go to `kiln run` as they are.

  An image with a shell on its console (`console: :iex` or `:erl`) needs
  the terminal itself, which a Mix task cannot hand to a child process:
  the task then stops and prints the `kiln run` command to type instead.
  """
  use Mix.Task

  @impl true
  def run(argv) do
    {ours, extra} = split(argv)
    {flags, _, _} = OptionParser.parse(ours, strict: [release: :string, port: :keep], aliases: [p: :port])
    Mix.Task.run("loadconfig")
    config = Mix.Project.config()
    releases = Keyword.get(config, :releases, [])
    name = flags[:release] || default_release(config, releases)
    opts = releases |> Keyword.get(String.to_atom(name), []) |> Keyword.get(:kiln, [])
    img = Path.join([Mix.Project.build_path(), "rel", name <> ".img"])
    File.regular?(img) || Mix.raise("kiln.run: #{img} missing: run `mix release` with &Kiln.Release.image/1 in its steps")

    ports = Keyword.get(opts, :ports, []) ++ Keyword.get_values(flags, :port)

    args =
      ["run"] ++
        Enum.flat_map(ports, &["-p", &1]) ++
        opt(opts, :cpus, "--cpus") ++ opt(opts, :mem, "--mem") ++ extra ++ [img]

    kiln = Kiln.Release.kiln!(opts)

    if Keyword.get(opts, :console, :none) != :none do
      Mix.raise(
        "kiln.run: the image has a shell on its console (console: " <>
          "#{inspect(opts[:console])}), which needs your terminal, and Mix " <>
          "runs kiln without one; run it directly:\n\n    " <>
          Enum.join([kiln | args], " ")
      )
    end

    Mix.shell().info("* kiln #{Enum.join(args, " ")}")

    case System.cmd(kiln, args, into: IO.stream(:stdio, :line), stderr_to_stdout: true) do
      {_, 0} -> :ok
      {_, rc} -> exit({:shutdown, rc})
    end
  end

  defp split(argv) do
    case Enum.split_while(argv, &(&1 != "--")) do
      {ours, ["--" | extra]} -> {ours, extra}
      {ours, []} -> {ours, []}
    end
  end

  defp default_release(config, []), do: to_string(config[:app])
  defp default_release(_config, [{name, _} | _]), do: to_string(name)

  defp opt(opts, key, flag) do
    case Keyword.get(opts, key) do
      nil -> []
      v -> [flag, to_string(v)]
    end
  end
end
