using SquadStudy.LoadTest;

// squadstudy-loadtest seed   --data DIR [--slug load] [--questions 120]
// squadstudy-loadtest run    --url http://127.0.0.1:5080 --data DIR [--slug load] [--participants 200] [--seconds 20] [--warmup 5] [--log FILE]
// squadstudy-loadtest verify --url http://127.0.0.1:5080 --data DIR --log FILE [--slug load]
return await Cli.RunAsync(args);
