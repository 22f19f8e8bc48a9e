using VLOrleans.Cli.Backends;

namespace VLOrleans.Cli;

/// <summary>How answering commands end on an expected failure: one line on stderr naming the command, the reason and
/// its code, and exit code 2 for a usage error, 1 for anything refused or unreadable. Bugs still throw.</summary>
internal static class CommandFailures
{
    public static async Task<int> RunAsync(string command, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (VlCommandException e)
        {
            Console.Error.WriteLine(e.Code == "usage" ? $"{command}: {e.Message}" : $"{command}: {e.Message} ({e.Code})");
            return e.Code == "usage" ? 2 : 1;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return 1;
        }
    }
}
