using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>The contract on the in-memory store (<c>VLO:Store=memory</c>): "reopening" is the same process's store
/// again, which is all it promises — it lives as long as the server process.</summary>
public sealed class MemorySessionStoreContract : SessionStoreContract
{
    private readonly MemorySessionStore _store = new();

    protected override Task<ISessionStore> OpenAsync() => Task.FromResult<ISessionStore>(_store);

    protected override Task<long> CountImageRowsAsync() => Task.FromResult(_store.ImageCount);
}
