using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// What a silo needs to host session grains: their options, the activation count, and their idle collection
/// (Orleans' <see cref="GrainCollectionOptions"/>, per grain class, from <see cref="ChatSessionOptions.IdleTimeout"/>).
/// The store and the inference service are the host's choice and registered by it.
/// </summary>
public static class SessionSilo
{
    public static ISiloBuilder AddChatSessions(this ISiloBuilder silo, ChatSessionOptions options)
    {
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton<ActiveSessions>();
        silo.AddIncomingGrainCallFilter<GrainBoundaryFilter>(); // no engine or driver exception crosses a grain call
        silo.Configure<GrainCollectionOptions>(collection =>
        {
            collection.ClassSpecificCollectionAge[typeof(ChatSessionGrain).FullName!] = options.IdleTimeout;
            // The collector looks every quantum, and Orleans wants the age above it: a short idle timeout (tests) gets half as long a quantum.
            if (options.IdleTimeout <= collection.CollectionQuantum) collection.CollectionQuantum = options.IdleTimeout / 2;
        });
        return silo;
    }
}
