namespace RealtimeMM.Cluster;

/// <summary>A camera cannot do what was asked: it is not registered, it was stopped, or its source ended or failed. The message names the camera and the problem.</summary>
[GenerateSerializer]
public sealed class CameraException : Exception
{
    public CameraException(string camera, string problem) : base($"camera '{camera}': {problem}")
    {
        Camera = camera;
        Problem = problem;
    }

    [Id(0)] public string Camera { get; }
    [Id(1)] public string Problem { get; }
}
