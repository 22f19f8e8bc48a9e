using SharpFuzz;
using VLOrleans.Fuzz;

// vlo-fuzz TARGET            run under afl-fuzz (input on stdin, one process per many inputs)
// vlo-fuzz TARGET FILE...    replay inputs directly (reproduce a crash) — on an uninstrumented build only:
//                            dotnet build tools/fuzz -c Release -o /tmp/vlo-fuzz && dotnet /tmp/vlo-fuzz/vlo-fuzz.dll TARGET FILE
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: vlo-fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [input files to replay]");
    return 2;
}
if (args.Length > 1)
{
    foreach (var file in args.Skip(1)) target(File.ReadAllBytes(file));
    Console.WriteLine($"{args.Length - 1} inputs replayed without a crash");
    return 0;
}
// Out of process: a native decoder fault kills only the child SharpFuzz restarts, and AFL++ records it as a crash.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
