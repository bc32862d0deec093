using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;

namespace RealtimeMM.Cluster;

/// <summary>
/// Where camera alerts and standing answers go: Orleans streams (provider <see cref="Provider"/>,
/// namespaces "alerts" and "answers", key "all") that every camera publishes to and any client or grain
/// subscribes to, wherever it runs.
/// </summary>
public static class CameraAlerts
{
    /// <summary>The stream provider's name (memory streams; their subscriptions in the grain storage "PubSubStore").</summary>
    public const string Provider = "cameras";

    /// <summary>The stream of every camera's alerts.</summary>
    public static IAsyncStream<CameraAlert> Stream(IStreamProvider provider) => provider.GetStream<CameraAlert>(StreamId.Create("alerts", "all"));

    /// <summary>The stream, from a client of the cluster.</summary>
    public static IAsyncStream<CameraAlert> Stream(IClusterClient client) => Stream(client.GetStreamProvider(Provider));

    /// <summary>Subscribes <paramref name="onAlert"/> to every camera's alerts; dispose the handle (await its UnsubscribeAsync) to stop.</summary>
    public static Task<StreamSubscriptionHandle<CameraAlert>> SubscribeAsync(IClusterClient client, Func<CameraAlert, Task> onAlert) =>
        Stream(client).SubscribeAsync((alert, _) => onAlert(alert));

    /// <summary>The stream of every camera's standing answers (namespace "answers", key "all"): each camera's new answers in batches, oldest first, about four times a second.</summary>
    public static IAsyncStream<CameraAnswerBatch> AnswerStream(IStreamProvider provider) => provider.GetStream<CameraAnswerBatch>(StreamId.Create("answers", "all"));

    /// <summary>Subscribes <paramref name="onAnswers"/> to every camera's standing answers.</summary>
    public static Task<StreamSubscriptionHandle<CameraAnswerBatch>> SubscribeAnswersAsync(IClusterClient client, Func<CameraAnswerBatch, Task> onAnswers) =>
        AnswerStream(client.GetStreamProvider(Provider)).SubscribeAsync((batch, _) => onAnswers(batch));

    /// <summary>Adds the alert stream to a silo (its subscriptions need a grain storage provider named "PubSubStore").</summary>
    public static ISiloBuilder AddCameraAlerts(this ISiloBuilder silo) => silo.AddMemoryStreams(Provider);

    /// <summary>Adds the alert stream to a client.</summary>
    public static IClientBuilder AddCameraAlerts(this IClientBuilder client) => client.AddMemoryStreams(Provider);
}
