return SquadStudy.Cli.CliApp.Run(args, Console.Out, Console.Error);
