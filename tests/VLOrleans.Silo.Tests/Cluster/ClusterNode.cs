using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VLOrleans.Silo.Tests.Cluster;

/// <summary>
/// One real server process of a test cluster (a model or a web node) on a free loopback port, which a test can
/// kill -9 (<see cref="KillAsync"/>) or stop with SIGTERM (<see cref="TerminateAsync"/>) like an operator would.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ClusterNode(Process process, string role, Uri baseAddress)
    {
        _process = process;
        Role = role;
        BaseAddress = baseAddress;
    }

    public string Role { get; }
    public Uri BaseAddress { get; }
    public bool IsRunning => !_process.HasExited;
    public string RecentOutput => string.Join('\n', _output);

    public HttpClient Http(TimeSpan? timeout = null) => new() { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(120) };

    public static ClusterNode Start(string role, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VLOrleans.Silo.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.Environment["VLO__Role"] = role;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node");
        var node = new ClusterNode(process, role, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits for <c>/readyz</c> = 200 (a model node: its model loaded; a web node: a model node is ready).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = Http(TimeSpan.FromSeconds(5));
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException($"{Role} node exited with code {_process.ExitCode}:\n{RecentOutput}");
            }
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Role} node {BaseAddress} not ready within {timeout}:\n{RecentOutput}");
    }

    /// <summary>kill -9: the process ends at once, no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false); // SIGKILL on Linux
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd's stop sends; waits for the process to end.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 300) _output.TryDequeue(out _);
    }

    private static int FreePort()
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
    }
}
