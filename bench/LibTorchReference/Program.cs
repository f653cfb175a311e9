using System.Diagnostics;
using System.Text.Json;
using SquadStudy.Engine.Native;
using TorchSharp;

// dotnet bench/bin-ref/LibTorchReference.dll vgg16|resnet50 REPEAT THREADS
// Times torchvision's architecture as TorchVision for .NET builds it (its own initialisation;
// the timing does not depend on the weights' values): one image and a batch of 8, no_grad,
// medians after a warm-up, as `squadstudy bench` and bench/torch_bench.py time theirs.
if (args.Length != 3 || args[0] is not ("vgg16" or "resnet50"))
{
    Console.Error.WriteLine("usage: LibTorchReference vgg16|resnet50 REPEAT THREADS");
    return 2;
}
int repeat = int.Parse(args[1]);
EngineRuntime.Threads = int.Parse(args[2]);
torch.manual_seed(0);
using var model = args[0] == "vgg16" ? (torch.nn.Module<torch.Tensor, torch.Tensor>)torchvision.models.vgg16() : torchvision.models.resnet50();
model.eval();
using var one = torch.rand(1, 3, 224, 224);
using var eight = torch.rand(8, 3, 224, 224);

double Median(torch.Tensor x)
{
    var times = new double[repeat];
    for (int i = -1; i < repeat; i++)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var clock = Stopwatch.StartNew();
        model.forward(x);
        if (i >= 0) times[i] = clock.Elapsed.TotalSeconds;
    }
    Array.Sort(times);
    return repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
}

var report = new
{
    model = args[0],
    threads = EngineRuntime.Threads,
    backend = EngineRuntime.Backend,
    forward_s = Median(one),
    batch_forward_s = Median(eight),
    peak_working_set_mb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0),
};
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
return 0;
