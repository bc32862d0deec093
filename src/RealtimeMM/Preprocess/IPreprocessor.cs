using RealtimeMM.Frames;
namespace RealtimeMM.Preprocess;

/// <summary>
/// Turns frames into the model's input tensor as its <see cref="PreprocessSpec"/> asks. Buffers
/// are sized for one source resolution at a time; a frame of another size reconfigures them
/// (counted in <see cref="Reconfigurations"/>), it never allocates per frame. Not thread-safe.
/// </summary>
public interface IPreprocessor : IDisposable
{
    PreprocessSpec Spec { get; }

    /// <summary>Where it runs, as the <c>rtmm</c> JSON contract writes it: <c>vulkan:NAME</c> or <c>cpu</c>.</summary>
    string Device { get; }

    /// <summary>Times a source resolution change reallocated buffers.</summary>
    int Reconfigurations { get; }

    /// <summary>Writes the float32 NCHW tensor. Throws if the spec asks for float16.</summary>
    void Run(ImageView image, Span<float> output);

    /// <summary>Writes the float16 NCHW tensor. Throws if the spec asks for float32.</summary>
    void Run(ImageView image, Span<Half> output);
}
