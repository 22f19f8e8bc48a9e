using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using VLOrleans.Contracts;
using VLOrleans.Silo.Observability;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// Serves the browser UI: <c>web/</c> at <c>/</c> (plain HTML/CSS/ES modules, no build step) and the SignalR JS client
/// that the setup copies out of npm (<c>.deps/web/signalr/</c>) at <c>/vendor/signalr/</c>; plus the status chart's
/// data (<c>/api/v1/status/history</c>). The folders come from <c>VLO:Web:Path</c> / <c>VLO:Web:VendorPath</c> or,
/// when unset, are looked for beside the executable and then in its parent folders (a build output inside the
/// repository finds the repository's <c>web/</c>). No folder found = no UI, and the API works as before.
/// </summary>
public static class WebUi
{
    /// <summary>Every response of the UI forbids inline and foreign script, so even a rendering bug cannot run model
    /// output as code: scripts, styles and fetches only from this origin; images also from blob: (upload previews).</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddWebUi(this IServiceCollection services)
    {
        services.AddSingleton<PerformanceHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<PerformanceHistory>());
        services.Configure<HubOptions>(o => o.AddFilter<SessionTurnTimingsFilter>());
        return services;
    }

    public static WebApplication MapWebUi(this WebApplication app)
    {
        app.MapGet("/api/v1/status/history", PerformanceHistory.Get);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebUi));
        var web = FindFolder(app.Configuration["VLO:Web:Path"], "web", "index.html");
        var vendor = FindFolder(app.Configuration["VLO:Web:VendorPath"], Path.Combine(".deps", "web", "signalr"), "signalr.min.js");
        if (web is null)
        {
            log.LogWarning("No web UI: no web/index.html beside {BaseDirectory} or above it (set VLO:Web:Path)", AppContext.BaseDirectory);
            return app;
        }
        if (vendor is null) log.LogWarning("The web UI has no SignalR client: run scripts/setup.sh (it copies it to .deps/web/signalr) or set VLO:Web:VendorPath");
        log.LogInformation("Web UI from {WebFolder}", web);

        var files = new PhysicalFileProvider(web);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(Options(files, ""));
        if (vendor is not null) app.UseStaticFiles(Options(new PhysicalFileProvider(vendor), "/vendor/signalr"));
        return app;
    }

    private static StaticFileOptions Options(IFileProvider files, string requestPath)
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        return new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = requestPath,
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                // Revalidate every time (ETag → 304): the files are small and a reload must see an updated UI at once.
                context.Context.Response.Headers.CacheControl = "no-cache";
                context.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                context.Context.Response.Headers.XContentTypeOptions = "nosniff";
            },
        };
    }

    private static string? FindFolder(string? configured, string relative, string marker)
    {
        if (!string.IsNullOrEmpty(configured)) return File.Exists(Path.Combine(configured, marker)) ? Path.GetFullPath(configured) : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(Path.Combine(candidate, marker))) return candidate;
        }
        return null;
    }

    /// <summary>Feeds the status chart the time to first token of every hub answer (session asks do not pass through
    /// <see cref="ServerMetrics"/>): it watches the <c>done</c> item of the <c>Ask</c> stream, changing nothing.</summary>
    private sealed class SessionTurnTimingsFilter(PerformanceHistory history) : IHubFilter
    {
        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            var result = await next(context).ConfigureAwait(false);
            return result is IAsyncEnumerable<AskEvent> items ? Observe(items) : result;
        }

        private async IAsyncEnumerable<AskEvent> Observe(IAsyncEnumerable<AskEvent> items)
        {
            await foreach (var item in items.ConfigureAwait(false))
            {
                if (item is AskCompleted { Turn: { Timings: { } timings, Usage.CompletionTokens: > 0 } })
                    history.RecordTimeToFirstToken(timings.TimeToFirstTokenMs);
                yield return item;
            }
        }
    }
}
