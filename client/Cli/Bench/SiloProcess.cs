using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// The real server executable (VLOrleans.Silo.dll) as a child process on a free loopback port, configured through
/// <c>VLO__…</c> environment variables, with its own data folder (deleted on dispose). The benchmark client is this
/// process, so HTTP, JSON and SSE costs count as they would for a user.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataFolder;
    private readonly ConcurrentQueue<string> _output = new();

    private SiloProcess(Process process, Uri baseAddress, string dataFolder)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataFolder = dataFolder;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>The server's last 100 lines of console output (for error messages).</summary>
    public string RecentOutput => string.Join('\n', _output);

    public static async Task<SiloProcess> StartAsync(string siloDll, IReadOnlyDictionary<string, string> environment, TimeSpan loadTimeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(siloDll)) throw new FileNotFoundException($"server not built: {siloDll} (dotnet build silo -c Release)", siloDll);
        var port = FreeLoopbackPort();
        var data = Directory.CreateTempSubdirectory("vlo-bench-data-").FullName;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(siloDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["VLO__DataPath"] = data;
        // Per-request log lines would cost the server time the benchmark is measuring.
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        var silo = new SiloProcess(process, new Uri($"http://127.0.0.1:{port}"), data);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo.WaitUntilReadyAsync(loadTimeout, cancellationToken);
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
        return silo;
    }

    /// <summary>Peak resident memory of the server so far (Linux <c>VmHWM</c>), in bytes; 0 where /proc is absent.</summary>
    public long PeakResidentBytes() => ProcessMemory.PeakResidentBytes(_process.Id);

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 100) _output.TryDequeue(out _);
    }

    /// <summary>Waits for <c>/readyz</c> (the model loaded), not just <c>/healthz</c>: loading a 2B model takes tens of seconds.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Exited is not yet "all output read": the parameterless wait also waits for the redirected streams'
                // end, so the error the server printed before it stopped is in the message.
                _process.WaitForExit();
                throw new InvalidOperationException($"server exited with code {_process.ExitCode}:\n{RecentOutput}");
            }
            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"server at {BaseAddress} was not ready within {timeout}:\n{RecentOutput}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
