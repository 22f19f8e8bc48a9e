using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VLOrleans.Silo.Tests;

/// <summary>
/// Runs the real server executable (the built VLOrleans.Silo.dll) on a free loopback port, so tests
/// exercise the same host `make run` starts. Disposing kills the process tree.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>The server's last 200 lines of console output (for failure messages).</summary>
    public string RecentOutput => string.Join('\n', _output);

    /// <summary>True while the server process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    /// <summary>The launched process's id (the server's, or the <c>launcher</c>'s when it does not exec the server).</summary>
    public int ProcessId => _process.Id;

    /// <param name="launcher">A command the server runs under (e.g. <c>unshare -m …</c>, <c>strace -f …</c>): it is given
    /// <c>dotnet VLOrleans.Silo.dll --urls …</c> as its last arguments.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? launcher = null)
    {
        var port = FreeLoopbackPort();
        var dll = Path.Combine(AppContext.BaseDirectory, "VLOrleans.Silo.dll");
        var info = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (launcher is { Count: > 0 })
        {
            foreach (var argument in launcher.Skip(1)) info.ArgumentList.Add(argument);
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Generous: on a loaded 2-core machine a cold start (JIT, Orleans, the model) has taken over a minute, and a
            // launcher (a private mount namespace, strace) adds its own start-up.
            await server.WaitUntilAliveAsync(TimeSpan.FromSeconds(180), cancellationToken);
        }
        catch
        {
            await server.DisposeAsync(); // a server that never answered must not outlive the test
            throw;
        }
        return server;
    }

    private async Task WaitUntilAliveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
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
                using var response = await http.GetAsync("/healthz", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"server at {BaseAddress} did not answer /healthz within {timeout}:\n{RecentOutput}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the server as a service manager would: SIGTERM to <paramref name="serverPid"/> (default: the launched
    /// process), then waits for the launched process to exit.</summary>
    public async Task StopAsync(int? serverPid = null, TimeSpan? timeout = null)
    {
        using (var kill = Process.Start("kill", ["-TERM", (serverPid ?? _process.Id).ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(wait.Token);
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
