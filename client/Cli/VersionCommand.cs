using System.CommandLine;
using System.Reflection;

namespace VLOrleans.Cli;

/// <summary><c>vl version</c>: prints the program version.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the vl version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"vl {version}");
        });
        return command;
    }
}
