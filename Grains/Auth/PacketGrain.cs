namespace OrleansTasks.Auth;

/// <summary>
/// An uploaded packet, kept in grain storage (so the trigger that uses it may reach another silo) for
/// <see cref="s_keep"/> after its upload, then cleared.
/// </summary>
internal sealed class PacketGrain([PersistentState("packet")] IPersistentState<PacketState> state, TimeProvider time) : Grain, IPacketGrain
{
    /// <summary>How long an uploaded packet waits for its trigger (and the trigger's retries).</summary>
    private static readonly TimeSpan s_keep = TimeSpan.FromMinutes(30);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Packet is not null)
        {
            ArmExpiry();
        }

        return Task.CompletedTask;
    }

    public async Task PutAsync(string data, string contentType)
    {
        state.State.Packet = new StoredPacket(data, contentType);
        state.State.UploadedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        ArmExpiry();
    }

    public Task<StoredPacket?> GetAsync() => Task.FromResult(state.State.Packet);

    private void ArmExpiry()
    {
        var left = state.State.UploadedAt + s_keep - time.GetUtcNow();
        DelayDeactivation(left > TimeSpan.Zero ? left + TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(1));
        this.RegisterGrainTimer(static async (grain, _) => await grain.ExpireAsync(), this,
            new GrainTimerCreationOptions(left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task ExpireAsync()
    {
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }
}

/// <summary>An uploaded packet's record.</summary>
[GenerateSerializer, Alias("ot.PacketState")]
internal sealed class PacketState
{
    [Id(0)]
    public StoredPacket? Packet { get; set; }

    [Id(1)]
    public DateTimeOffset UploadedAt { get; set; }
}
