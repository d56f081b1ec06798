# SPDX-License-Identifier: MIT
defmodule Kiln.Release do
  @moduledoc """
  A `mix release` step that packs the assembled release into a bootable
  Kiln image, `_build/ENV/rel/NAME.img`, with the `kiln build` command:

      releases: [
        myapp: [
          steps: [:assemble, &Kiln.Release.image/1],
          kiln: [cpus: 2, memory_profile: :small, add: ["priv/x:/x"],
                 env: [{"KEY", "value"}], erl_flags: "+S 2", console: :iex]
        ]
      ]

  The `kiln` command is the first of: the `:kiln_path` key of the
  release's `kiln:` options, `config :kiln, kiln_path: ...`, `$KILN`,
  `kiln` on the PATH.
  """

  @doc "The release step: writes the image and returns the release."
  def image(%Mix.Release{} = release) do
    opts = Keyword.get(release.options, :kiln, [])
    img = image_path(release)
    args = ["build", release.path, "-o", img] ++ build_flags(opts)
    Mix.shell().info("* kiln build #{Enum.join(args |> tl(), " ")}")
    run!(kiln!(opts), args)
    Mix.shell().info("* kiln image written to #{Path.relative_to_cwd(img)}")
    release
  end

  @doc "Where `image/1` writes the image of a release: next to its directory."
  def image_path(%Mix.Release{} = release), do: release.path <> ".img"

  @doc "The `kiln build` flags for the release's `kiln:` options."
  def build_flags(opts) do
    Enum.flat_map(opts, fn
      {:memory_profile, :small} -> ["--small-memory"]
      {:memory_profile, :default} -> []
      {:add, adds} -> Enum.flat_map(adds, &["--add", &1])
      {:env, env} -> Enum.flat_map(env, fn {k, v} -> ["--env", "#{k}=#{v}"] end)
      {:erl_flags, flags} -> ["--erl-flags", flags]
      {:with_shell, true} -> ["--with-shell"]
      {:cmdline, line} -> ["--cmdline", line]
      {:compress, :none} -> ["--compress", "none"]
      {:compress, level} when is_integer(level) -> ["--compress", "#{level}"]
      {:console, mode} -> ["--console", console_mode!(mode)]
      _run_option -> []
    end)
  end

  # console: :iex (IEx on the serial console), :erl (the Erlang shell), :none
  defp console_mode!(mode) when mode in [:none, :iex, :erl], do: Atom.to_string(mode)

  defp console_mode!(mode),
    do: Mix.raise("kiln: console: #{inspect(mode)}: expected :iex, :erl or :none")

  @doc "The `kiln` executable, or a Mix error saying how to give it."
  def kiln!(opts \\ []) do
    candidates = [
      Keyword.get(opts, :kiln_path),
      Application.get_env(:kiln, :kiln_path),
      System.get_env("KILN"),
      System.find_executable("kiln")
    ]

    case Enum.find(candidates, &(&1 not in [nil, ""])) do
      nil ->
        Mix.raise(
          "kiln: the kiln command was not found; set kiln_path in the " <>
            "release's kiln: options or `config :kiln, kiln_path: ...`, " <>
            "set $KILN, or put kiln on the PATH (make builds build/kiln)"
        )

      path ->
        path = Path.expand(path)
        File.regular?(path) || Mix.raise("kiln: #{path} does not exist (kiln_path/$KILN)")
        path
    end
  end

  @doc "Runs kiln with args, its output on ours; a nonzero exit is a Mix error."
  def run!(kiln, args) do
    case System.cmd(kiln, args, into: IO.stream(:stdio, :line), stderr_to_stdout: true) do
      {_, 0} -> :ok
      {_, rc} -> Mix.raise("kiln: `kiln #{Enum.join(args, " ")}` exited with status #{rc}")
    end
  end
end
