using System.CommandLine;
using VLOrleans.Cli;

// `vl`: every command lives in its own file and registers here.
var root = new RootCommand("VLOrleans: ask Qwen vision-language models about images.");
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(MakeTinyModelCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(AskCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(BatchCommand.Create());
root.Subcommands.Add(BenchEngineCommand.Create());
root.Subcommands.Add(BenchStepsCommand.Create());
root.Subcommands.Add(VLOrleans.Cli.Bench.BenchCommand.Create());
root.Subcommands.Add(VLOrleans.Cli.Soak.SoakCommand.Create());
return await root.Parse(args).InvokeAsync();
