using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Grains.Storage;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints.Sessions;

/// <summary>Registers the session actors and their store. The store is chosen here, once: SQLite under
/// <c>VLO:DataPath</c> (<c>sessions.db</c>); the PostgreSQL store joins with the scale-out issue.</summary>
public static class SessionServices
{
    public const string StoreFileName = "sessions.db";

    public static IServiceCollection AddSessionGrains(this IServiceCollection services)
    {
        services.AddSingleton<ISessionStore>(sp =>
            SqliteSessionStore.Open(Path.Combine(Path.GetFullPath(sp.GetRequiredService<IOptions<VloOptions>>().Value.DataPath), StoreFileName)));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VloOptions>>().Value;
            return new ChatSessionOptions
            {
                RecentTurns = options.Sessions.RecentTurns,
                IdleTimeout = TimeSpan.FromSeconds(options.Sessions.IdleTimeoutSeconds),
                MaxAnswerTokens = options.Limits.MaxAnswerTokens,
                DefaultAnswerTokens = Math.Min(512, options.Limits.MaxAnswerTokens),
                KeepImageEmbeddings = options.Sessions.KeepImageEmbeddings,
            };
        });
        services.AddSingleton(sp => new SessionDirectory(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<InferenceGrain>(),
            sp.GetRequiredService<ChatSessionOptions>()));
        services.AddSingleton<ISessionDirectory>(sp => sp.GetRequiredService<SessionDirectory>());
        return services;
    }
}
