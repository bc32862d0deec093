using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu.Backend;

/// <summary>
/// N command buffers, each with a fence and three timestamp queries (start, a mark between stages,
/// end): one per frame in flight. A slot is reused only after its fence has signalled, so buffers
/// tied to a slot are safe to rewrite.
/// </summary>
internal sealed unsafe class CommandRing : IDisposable
{
    readonly VulkanDevice device;
    readonly CommandPool pool;
    readonly CommandBuffer[] commands;
    readonly Fence[] fences;
    readonly bool[] submitted;
    readonly bool[] marked;
    readonly QueryPool queries;

    public CommandRing(VulkanDevice device, int slots)
    {
        this.device = device;
        var api = device.Api;
        var dev = device.Handle;
        commands = new CommandBuffer[slots];
        fences = new Fence[slots];
        submitted = new bool[slots];
        marked = new bool[slots];
        try
        {
            var poolInfo = new CommandPoolCreateInfo(flags: CommandPoolCreateFlags.ResetCommandBufferBit, queueFamilyIndex: device.QueueFamily);
            api.CreateCommandPool(dev, in poolInfo, null, out pool).Check();
            var alloc = new CommandBufferAllocateInfo(commandPool: pool, level: CommandBufferLevel.Primary, commandBufferCount: (uint)slots);
            fixed (CommandBuffer* p = commands)
                api.AllocateCommandBuffers(dev, in alloc, p).Check();
            for (int i = 0; i < slots; i++)
            {
                var fenceInfo = new FenceCreateInfo(flags: 0);
                api.CreateFence(dev, in fenceInfo, null, out fences[i]).Check();
            }
            if (device.SupportsTimestamps)
            {
                var qInfo = new QueryPoolCreateInfo(queryType: QueryType.Timestamp, queryCount: (uint)(3 * slots));
                api.CreateQueryPool(dev, in qInfo, null, out queries).Check();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count => commands.Length;

    /// <summary>Waits for slot <paramref name="slot"/>'s previous work, then begins recording into it.</summary>
    public CommandBuffer Begin(int slot)
    {
        Wait(slot);
        var cmd = commands[slot];
        device.Api.ResetCommandBuffer(cmd, 0).Check();
        var begin = new CommandBufferBeginInfo(flags: CommandBufferUsageFlags.OneTimeSubmitBit);
        device.Api.BeginCommandBuffer(cmd, in begin).Check();
        if (queries.Handle != 0)
        {
            device.Api.CmdResetQueryPool(cmd, queries, (uint)(3 * slot), 3);
            device.Api.CmdWriteTimestamp(cmd, PipelineStageFlags.TopOfPipeBit, queries, (uint)(3 * slot));
        }
        marked[slot] = false;
        return cmd;
    }

    /// <summary>Records the time when the work recorded so far in the slot has finished: <see cref="GpuSplitMilliseconds"/> reads it.</summary>
    public void Mark(int slot)
    {
        if (queries.Handle != 0)
            device.Api.CmdWriteTimestamp(commands[slot], PipelineStageFlags.BottomOfPipeBit, queries, (uint)(3 * slot + 1));
        marked[slot] = true;
    }

    /// <summary>Ends recording and submits; the slot's fence signals when the GPU is done.</summary>
    public void Submit(int slot)
    {
        var cmd = commands[slot];
        if (!marked[slot])
            Mark(slot);
        if (queries.Handle != 0)
            device.Api.CmdWriteTimestamp(cmd, PipelineStageFlags.BottomOfPipeBit, queries, (uint)(3 * slot + 2));
        device.Api.EndCommandBuffer(cmd).Check();
        var fence = fences[slot];
        device.Api.ResetFences(device.Handle, 1, in fence).Check();
        device.Submit(cmd, fence);
        submitted[slot] = true;
    }

    /// <summary>Blocks until the slot's last submission is done (no-op if none is pending).</summary>
    public void Wait(int slot)
    {
        try
        {
            WaitFence(slot);
        }
        catch (VulkanException e) when (e.ResultName == nameof(Result.ErrorDeviceLost))
        {
            throw device.Lost(e);
        }
    }

    void WaitFence(int slot)
    {
        if (!submitted[slot])
            return;
        var fence = fences[slot];
        long spin = (long)(device.FenceSpin.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        if (spin > 0)
        {
            // poll first: a short run is done before a blocked thread would have woken up
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + spin;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                var status = device.Api.GetFenceStatus(device.Handle, fence);
                if (status == Result.Success)
                {
                    submitted[slot] = false;
                    return;
                }
                if (status != Result.NotReady)
                    status.Check();
                Thread.SpinWait(16);
            }
        }
        device.Api.WaitForFences(device.Handle, 1, in fence, true, ulong.MaxValue).Check();
        submitted[slot] = false;
    }

    /// <summary>GPU time of the slot's last submission in milliseconds, or NaN without timestamps. Call after <see cref="Wait"/>.</summary>
    public double GpuMilliseconds(int slot) => GpuSplitMilliseconds(slot).Total;

    /// <summary>
    /// The slot's last submission in milliseconds: start to <see cref="Mark"/>, and start to end (the
    /// mark equals the end when none was set); NaN without timestamps. Call after <see cref="Wait"/>.
    /// </summary>
    public (double ToMark, double Total) GpuSplitMilliseconds(int slot)
    {
        if (queries.Handle == 0)
            return (double.NaN, double.NaN);
        var ts = stackalloc ulong[3];
        var r = device.Api.GetQueryPoolResults(device.Handle, queries, (uint)(3 * slot), 3, 24, ts, 8, QueryResultFlags.Result64Bit);
        if (r == Result.NotReady)
            return (double.NaN, double.NaN);
        r.Check();
        double ms = device.TimestampPeriodNs / 1e6;
        return ((ts[1] - ts[0]) * ms, (ts[2] - ts[0]) * ms);
    }

    public void WaitAll()
    {
        for (int i = 0; i < commands.Length; i++)
            Wait(i);
    }

    public void Dispose()
    {
        var api = device.Api;
        var dev = device.Handle;
        // Nothing here may be destroyed while the GPU still runs it.
        for (int i = 0; i < fences.Length; i++)
            if (submitted[i] && fences[i].Handle != 0)
                api.WaitForFences(dev, 1, in fences[i], true, ulong.MaxValue);
        if (queries.Handle != 0) api.DestroyQueryPool(dev, queries, null);
        foreach (var f in fences)
            if (f.Handle != 0) api.DestroyFence(dev, f, null);
        if (pool.Handle != 0) api.DestroyCommandPool(dev, pool, null);
    }
}
