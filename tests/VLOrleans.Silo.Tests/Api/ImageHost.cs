using System.Net;
using System.Net.Sockets;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>A minimal image server on http://localhost:{port}/ (HttpListener): fixed bytes per path, 404 otherwise.</summary>
public sealed class ImageHost : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyDictionary<string, byte[]> _files;
    private readonly Task _loop;

    public ImageHost(IReadOnlyDictionary<string, byte[]> files)
    {
        _files = files;
        var port = FreePort();
        BaseAddress = new Uri($"http://{TinyServerFixture.AllowedImageHost}:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseAddress { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var response = context.Response;
            if (_files.TryGetValue(context.Request.Url!.AbsolutePath, out var bytes))
            {
                response.ContentType = "application/octet-stream";
                response.ContentLength64 = bytes.Length;
                try { await response.OutputStream.WriteAsync(bytes); } catch (HttpListenerException) { }
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
