using System.Diagnostics;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Fusion;

/// <summary>
/// A bundle's frames and questions on a device: preprocessing (Vulkan or CPU), the vision encoder,
/// the frame's in-world score, and the fusion's logits and attention (one Vulkan dispatch per
/// batch, or the C# reference). The device policy lives here: a Vulkan failure mid-stream, or the
/// device's <see cref="VulkanDevice.DeviceLost"/>, moves both paths to the CPU once, and the frame
/// or batch that met it is redone there. Image buffers of disposed encodings are kept for the next frames.
/// </summary>
internal sealed class FusionEngine : IDisposable
{
    const int MaxSpareFrames = 4;
    readonly ModelBundle bundle;
    readonly Action<string>? warn;
    readonly VulkanDevice? gpu;
    readonly float[] tensor;
    readonly Lock spareGate = new();
    readonly Stack<FusionReference.ImageKeys> spareKeys = new();
    readonly Stack<float[]> spareTokens = new();
    IPreprocessor preprocessor;
    VulkanFusion? gpuFusion;
    volatile string? lostElsewhere;

    public FusionEngine(ModelBundle bundle, VulkanDevice? device, Action<string>? warn, bool gpuFusionRequired)
    {
        this.bundle = bundle;
        this.warn = warn;
        Reference = new FusionReference(bundle.Fusion);
        tensor = new float[bundle.Preprocess.OutputLength];
        gpu = device;
        try
        {
            preprocessor = gpu is null ? new CpuPreprocessor(bundle.Preprocess) : new VulkanPreprocessor(gpu, bundle.Preprocess);
            gpuFusion = gpu is null ? null : OpenGpuFusion(gpu, gpuFusionRequired);
        }
        catch
        {
            preprocessor?.Dispose();
            throw;
        }
        if (gpu is not null)
            gpu.DeviceLost += OnDeviceLost;
    }

    /// <summary>The C# fusion (the reference the Vulkan one is checked against).</summary>
    public FusionReference Reference { get; }

    /// <summary>The Vulkan fusion, while there is one.</summary>
    public VulkanFusion? Gpu => gpuFusion;

    public string Device => preprocessor.Device;

    public string FusionDevice => gpuFusion is null ? "cpu" : preprocessor.Device;

    /// <summary>Why the engine left its Vulkan device for the CPU, or null while it has not.</summary>
    public string? FellBack { get; private set; }

    VulkanFusion? OpenGpuFusion(VulkanDevice device, bool required)
    {
        try
        {
            return new VulkanFusion(device, bundle.Fusion, bundle.Manifest.ImageTokens, bundle.Manifest.MaxTokens, maxQuestions: 16);
        }
        catch (NotSupportedException e) when (!required)
        {
            warn?.Invoke($"model '{bundle.Manifest.Name}' on {device}: {e.Message}; its fusion runs on the CPU, preprocessing stays on Vulkan");
            return null;
        }
    }

    // the device was lost under another component that shares it: the next call moves to the CPU
    void OnDeviceLost(object? sender, DeviceLostEventArgs e) => lostElsewhere = e.Reason;

    void FallBackIfLostElsewhere()
    {
        if (lostElsewhere is { } reason && FellBack is null)
            FallBackToCpu(reason);
    }

    void FallBackToCpu(string reason)
    {
        FellBack = $"the Vulkan device failed ({reason}); continuing on the CPU (preprocessing and fusion)";
        warn?.Invoke(FellBack);
        var (oldPre, oldFusion) = (preprocessor, gpuFusion);
        preprocessor = new CpuPreprocessor(bundle.Preprocess);
        gpuFusion = null;
        try
        {
            oldFusion?.Dispose();
            oldPre.Dispose();
        }
        catch (VulkanException)
        {
            // a lost device may fail its waits while its objects go; nothing more can be done with it
        }
    }

    /// <summary>Preprocesses and encodes a frame, and scores how much it looks like the bundle's world.</summary>
    public FrameEncoding Encode(ImageView frame)
    {
        FallBackIfLostElsewhere();
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            preprocessor.Run(frame, tensor);
        }
        catch (VulkanException e) when (FellBack is null)
        {
            FallBackToCpu(e.Message);
            preprocessor.Run(frame, tensor);
        }
        long t1 = Stopwatch.GetTimestamp();
        tensor.CopyTo(bundle.Vision.Input, 0);
        bundle.Vision.Run();
        long tv = Stopwatch.GetTimestamp();
        var m = bundle.Manifest;
        FusionReference.ImageKeys? keys = null;
        float[]? tokens = null;
        if (gpuFusion is null)
            keys = Reference.PrepareImage(bundle.Vision.Outputs[0], m.ImageTokens, Take(spareKeys));
        else
        {
            tokens = Take(spareTokens) is { } spare && spare.Length == bundle.Vision.Outputs[0].Length ? spare : new float[bundle.Vision.Outputs[0].Length];
            bundle.Vision.Outputs[0].CopyTo(tokens, 0);
        }
        long t2 = Stopwatch.GetTimestamp();
        var embedding = (float[])bundle.Vision.Outputs[1].Clone();
        var inWorldModel = bundle.Calibration?.InWorld;
        double? inWorld = inWorldModel?.Score(InWorldModel.Features(bundle.Vision.Outputs[0], m.ImageTokens, m.ModelDim, embedding));
        return new FrameEncoding(this, frame.Width, frame.Height, keys, tokens, embedding,
            Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, tv).TotalMilliseconds, Stopwatch.GetElapsedTime(tv, t2).TotalMilliseconds,
            inWorld, inWorld < inWorldModel?.FlagBelow);
    }

    /// <summary>A disposed frame's image buffers, kept for the next frames (a few: frames in flight at once).</summary>
    internal void Recycle(FusionReference.ImageKeys? keys, float[]? tokens)
    {
        lock (spareGate)
        {
            if (keys is not null && spareKeys.Count < MaxSpareFrames)
                spareKeys.Push(keys);
            if (tokens is not null && spareTokens.Count < MaxSpareFrames)
                spareTokens.Push(tokens);
        }
    }

    T? Take<T>(Stack<T> spares) where T : class
    {
        lock (spareGate)
            return spares.TryPop(out var spare) ? spare : null;
    }

    /// <summary>Logits and attention (every layer and head) for each question about one frame, as views into each batch's buffers: one Vulkan dispatch per batch, or the C# fusion.</summary>
    public List<(ArraySegment<float> Logits, ArraySegment<float> Attention)> Run(FrameEncoding frame, IReadOnlyList<(float[] States, float[] Mask)> questions)
    {
        FallBackIfLostElsewhere();
        var m = bundle.Manifest;
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens, answers = m.Answers.Length;
        var results = new List<(ArraySegment<float>, ArraySegment<float>)>(questions.Count);
        for (int start = 0; start < questions.Count;)
        {
            int n = Math.Min(gpuFusion?.MaxQuestions ?? 1, questions.Count - start);
            var logits = new float[n * answers];
            var attention = new float[n * mapSize];
            if (gpuFusion is not null && frame.Tokens is not null)
            {
                try
                {
                    gpuFusion.Run(frame.Tokens, questions.Skip(start).Take(n).ToList(), logits, attention);
                }
                catch (VulkanException e) when (FellBack is null)
                {
                    FallBackToCpu(e.Message);
                    continue; // this batch again, on the CPU
                }
            }
            else
            {
                // a frame encoded for the Vulkan fusion has no CPU keys yet (the device failed since)
                frame.Keys ??= Reference.PrepareImage(frame.Tokens!, m.ImageTokens, Take(spareKeys));
                Reference.Run(frame.Keys, questions[start].States, questions[start].Mask, logits, attention);
            }
            for (int k = 0; k < n; k++)
                results.Add((new(logits, k * answers, answers), new(attention, k * mapSize, mapSize)));
            start += n;
        }
        return results;
    }

    public void Dispose()
    {
        if (gpu is not null)
            gpu.DeviceLost -= OnDeviceLost;
        gpuFusion?.Dispose();
        preprocessor.Dispose();
    }
}
