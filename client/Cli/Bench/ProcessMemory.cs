using System.Globalization;

namespace VLOrleans.Cli.Bench;

/// <summary>Resident memory of a process from Linux <c>/proc/&lt;pid&gt;/status</c>: now (VmRSS) and its peak so far (VmHWM),
/// in bytes; 0 where /proc is absent.</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes(int pid) => Read(pid, "VmRSS:");

    public static long PeakResidentBytes(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
