using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace RealtimeMM.Cluster;

/// <summary>A camera's registration, kept in grain storage: it outlives the activation and the silo.</summary>
[GenerateSerializer]
public sealed class CameraRegistration
{
    [Id(0)] public CameraSpec? Spec { get; set; }

    /// <summary>The alerts raised and not yet cleared: a camera that moves to another silo starts with them present, so it does not raise them again.</summary>
    [Id(1)] public List<string> PresentAlerts { get; set; } = [];
}

/// <summary>
/// The camera grain: starts its <see cref="CameraPipeline"/> where it is activated (from its stored
/// registration when it comes back after a deactivation or a lost silo) and keeps itself active while
/// the camera runs. Questions and health interleave with each other (they only read the pipeline).
/// A camera starts on the silo that runs the fewest cameras (<see cref="CameraPlacement"/>).
/// </summary>
[CameraPlacement]
internal sealed class CameraGrain(
    [PersistentState("camera", CameraGrain.StorageName)] IPersistentState<CameraRegistration> registration,
    CameraOptions options,
    IServiceProvider services) : Grain, ICameraGrain
{
    readonly CameraIndexStore? indexes = services.GetService<CameraIndexStore>();

    /// <summary>The grain storage provider the registrations live in.</summary>
    public const string StorageName = "cameras";

    CameraPipeline? pipeline;
    IGrainTimer? keepAlive;

    string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (registration.RecordExists && registration.State.Spec is { } spec)
            await Run(spec);
        await base.OnActivateAsync(cancellationToken);
    }

    async Task Run(CameraSpec spec)
    {
        // the model loads off the grain's scheduler (seconds), and the pipeline's threads start on the default one
        string id = Id;
        string silo = RuntimeIdentity;
        var present = registration.State.PresentAlerts.ToHashSet(StringComparer.Ordinal);
        pipeline = await Task.Run(() => CameraPipeline.Start(id, spec, options, silo, present, indexes));
        await GrainFactory.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).Placed(id, silo); // where cameras run: the next one goes where fewest do
        // a running camera stays active (the timer keeps the activation alive); its standing answers and alerts go out on the streams, in order
        keepAlive ??= this.RegisterGrainTimer(Publish, new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)) { KeepAlive = true });
    }

    async Task Publish(CancellationToken cancellationToken)
    {
        if (pipeline is not { } p)
            return;
        var (answers, skipped) = p.TakeAnswers();
        if (answers.Count > 0 || skipped > 0)
            await CameraAlerts.AnswerStream(this.GetStreamProvider(CameraAlerts.Provider)).OnNextAsync(new CameraAnswerBatch { Camera = Id, Answers = answers, Skipped = skipped });
        await PublishAlerts(p);
    }

    async Task PublishAlerts(CameraPipeline p)
    {
        if (p.Spec.Alerts.Count == 0)
            return;
        var alerts = p.TakeAlerts();
        if (alerts.Count == 0)
            return;
        var stream = CameraAlerts.Stream(this.GetStreamProvider(CameraAlerts.Provider));
        foreach (var alert in alerts)
        {
            await stream.OnNextAsync(alert);
            registration.State.PresentAlerts.Remove(alert.Text);
            if (alert.Raised)
                registration.State.PresentAlerts.Add(alert.Text);
        }
        await registration.WriteStateAsync(); // which alerts are up travels with the camera
    }

    async Task StopPipeline()
    {
        keepAlive?.Dispose();
        keepAlive = null;
        if (pipeline is { } p)
        {
            pipeline = null;
            await p.DisposeAsync();
        }
    }

    public async Task<CameraHealth> Start(CameraSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Source))
            throw new CameraException(Id, "the source is empty");
        if (spec.StandingQuestions.Any(string.IsNullOrWhiteSpace))
            throw new CameraException(Id, "a standing question is empty");
        await StopPipeline();
        registration.State = new CameraRegistration { Spec = spec };
        await registration.WriteStateAsync();
        await GrainFactory.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).Add(Id);
        await Run(spec);
        return Running().Health(RuntimeIdentity);
    }

    public async Task Remove()
    {
        await StopPipeline();
        if (registration.RecordExists)
            await registration.ClearStateAsync();
        await GrainFactory.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).Remove(Id);
        if (indexes is not null)
            await indexes.DeleteAsync(Id); // its history goes with the camera
        DeactivateOnIdle();
    }

    CameraPipeline Running() => pipeline ?? throw new CameraException(Id, "no such camera (not registered, or removed)");

    public Task<CameraHealth> Health() => Task.FromResult(Running().Health(RuntimeIdentity));

    public async Task<CameraAnswer> Ask(string question)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        return CameraAnswer.From(Id, await Running().Ask(question));
    }

    public async Task AddStandingQuestion(string question)
    {
        if (string.IsNullOrWhiteSpace(question))
            throw new CameraException(Id, "the standing question is empty");
        var p = Running();
        p.AddStanding(question);
        registration.State.Spec = p.Spec with { StandingQuestions = [.. p.Spec.StandingQuestions.Append(question).Distinct()] };
        await registration.WriteStateAsync();
    }

    public Task<CameraSearchResult> Search(string text, CameraSearchOptions options)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new CameraException(Id, "the search text is empty");
        ArgumentNullException.ThrowIfNull(options);
        return Task.FromResult(Running().Search(text, options));
    }

    public Task<IReadOnlyList<CameraAnswer>> Standing() =>
        Task.FromResult<IReadOnlyList<CameraAnswer>>(Running().Standing().Select(a => CameraAnswer.From(Id, a)).ToList());

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopPipeline();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }
}
