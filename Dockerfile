# Builds and runs the SquadStudy site. Used by docker-compose.yml (site + PostgreSQL).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/SquadStudy.Web/SquadStudy.Web.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
# The engine's native libraries: OpenBLAS (GEMM), libjpeg-turbo and libspng (image codecs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread libturbojpeg libspng0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY demo/pack /app/demo/pack
# No public demo study unless asked for (SquadStudy__SeedDemo=true): a container on the internet
# would otherwise open an anonymous study to anyone who finds it.
ENV ASPNETCORE_URLS=http://+:8080 \
    SquadStudy__DataDirectory=/data \
    SquadStudy__DemoPack=/app/demo/pack \
    SquadStudy__SeedDemo=false
VOLUME /data
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "SquadStudy.Web.dll"]
