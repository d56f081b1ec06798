# SPDX-License-Identifier: MIT
defmodule HelloEx.Application do
  @moduledoc false
  use Application

  # Prints one line per check ("hello_ex: NAME ok ..." or "... FAILED ..."),
  # then stops the VM: status 0 if every check passed, else 1.
  @impl true
  def start(_type, _args) do
    {:ok, pid} = Supervisor.start_link([], strategy: :one_for_one, name: HelloEx.Supervisor)
    spawn(fn -> run() end)
    {:ok, pid}
  end

  defp run do
    IO.puts("hello_ex: IO.puts ok")
    :io.format("hello_ex: io:format ok ~p~n", [42])

    results = [crypto(), port(), tmp_file(), env_sh()]

    :io.format("hello_ex: emu_flavor ~s~n", [:erlang.system_info(:emu_flavor)])

    if Enum.all?(results) do
      IO.puts("hello_ex: all checks passed")
      System.stop(0)
    else
      IO.puts("hello_ex: some checks FAILED")
      System.stop(1)
    end
  end

  defp check(name, true, detail), do: report(name, "ok", detail, true)
  defp check(name, false, detail), do: report(name, "FAILED", detail, false)

  defp report(name, word, detail, result) do
    IO.puts("hello_ex: #{name} #{word} #{detail}")
    result
  end

  defp env_sh do
    value = System.get_env("HELLO_EX_FROM_ENV_SH")
    root = System.get_env("RELEASE_ROOT")
    check("env.sh", value == "release hello_ex at #{root}", inspect(value))
  end

  defp crypto do
    hex = :crypto.hash(:sha256, "kiln") |> Base.encode16(case: :lower)
    want = "cdfe9ad58b46226d63eb322dacd35f4f7ac38096180c87258c142e4bca9a3cf5"
    check("sha256", hex == want, hex)
  end

  defp port do
    prog = Path.join(:code.priv_dir(:hello_ex), "portprog")
    {out, status} = System.cmd(prog, ["one", "two words"])
    want = "portprog: argc=3\nportprog: arg1=one\nportprog: arg2=two words\n"
    check("port", out == want and status == 3, "status=#{status} out=#{inspect(out)}")
  end

  defp tmp_file do
    path = Path.join(System.tmp_dir!(), "hello_ex.#{System.unique_integer([:positive])}")
    data = "kiln tmp file\n"
    :ok = File.write(path, data)
    back = File.read!(path)
    File.rm!(path)
    check("tmp_file", back == data, path)
  end
end
