using SquadStudy.Data.Configuration;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Precompute;

public static class PrecomputeExtensions
{
    /// <summary>Registers pack import, the explanation engine, the precompute worker and the first-run demo seeder (run by <see cref="Infrastructure.StartupTasks"/>).</summary>
    public static WebApplicationBuilder AddPrecompute(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoStudyOptions>().BindConfiguration(SquadStudyOptions.Section);
        builder.Services.AddSingleton<IExplanationEngine>(_ => new SquadStudyEngine(metrics: MetricOptions(builder.Configuration)));
        builder.Services.AddStudyServices();
        builder.Services.AddSingleton<PrecomputeSignal>();
        builder.Services.AddOptions<PrecomputeLeaseOptions>().BindConfiguration($"{SquadStudyOptions.Section}:PrecomputeLease");
        builder.Services.AddScoped<IStudyImporter, PackImportService>();
        var options = builder.Configuration.GetSection(SquadStudyOptions.Section).Get<DemoStudyOptions>() ?? new DemoStudyOptions();
        if (options.RunPrecompute)
        {
            builder.Services.AddHostedService<PrecomputeWorker>();
        }
        builder.Services.AddSingleton<DemoStudySeeder>();
        return builder;
    }

    /// <summary>
    /// Deletion/insertion, ROAD and the model-randomisation sanity check when
    /// <c>SquadStudy:Metrics:DeletionInsertion</c>, <c>:Road</c> and <c>:SanityCheck</c> are true (each
    /// multiplies the cost per map; see <see cref="EngineMetricOptions"/>).
    /// </summary>
    public static EngineMetricOptions MetricOptions(IConfiguration configuration)
    {
        var section = configuration.GetSection($"{SquadStudyOptions.Section}:Metrics");
        return new EngineMetricOptions
        {
            DeletionInsertion = section.GetValue("DeletionInsertion", false) ? EngineMetricOptions.All.DeletionInsertion : null,
            Road = section.GetValue("Road", false) ? EngineMetricOptions.All.Road : null,
            RandomisationDepth = section.GetValue("SanityCheck", false) ? EngineMetricOptions.All.RandomisationDepth : 0,
        };
    }
}
