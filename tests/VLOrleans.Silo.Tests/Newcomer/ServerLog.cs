namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>Reads the console log of a <see cref="ServerProcess"/> (the default console format: a
/// "level: Category[event]" line, then the message indented on the next line).</summary>
public static class ServerLog
{
    /// <summary>Waits until a message line containing <paramref name="text"/> is logged (the console logger writes on its
    /// own thread) and returns it with its level and category header; fails with the recent output after 20 s.</summary>
    public static async Task<(string Header, string Message)> WaitForAsync(ServerProcess server, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var lines = server.RecentOutput.Split('\n');
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].Contains(text, StringComparison.Ordinal)) return (lines[i - 1].Trim(), lines[i].Trim());
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no log line with '{text}' in:\n{server.RecentOutput}");
            await Task.Delay(100);
        }
    }
}
