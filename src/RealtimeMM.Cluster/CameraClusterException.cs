namespace RealtimeMM.Cluster;

/// <summary>The cluster cannot be reached or joined (Redis unreachable, another model bundle); the message is one line naming what and why.</summary>
public sealed class CameraClusterException(string message) : Exception(message);
