namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>Closing a stream cancels its turn within a loop step; until then the session is briefly still busy.</summary>
internal static class BusyRetry
{
    /// <summary>Calls until it succeeds, at most 50 tries 100 ms apart (5 s), then lets the last failure through.</summary>
    public static async Task<T> RetryWhileBusyAsync<T>(Func<Task<T>> call)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (i < 50)
            {
                await Task.Delay(100);
            }
        }
    }
}
