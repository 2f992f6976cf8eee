-- trusted_series: the series of series.csv, one typed row per title (see trusted_series.yml).

with

title_lines as (
    select * from first_title_lines(raw_series)
),

final as (
    select
        title_id,
        clean_text(tituloPincipal) as primary_title,
        clean_text(tituloOriginal) as original_title,
        as_int(anoLancamento) as release_year,
        as_int(anoTermino) as end_year,
        as_int(tempoMinutos) as runtime_minutes,
        array_sort(array_distinct(text_list(genero))) as genres,
        as_double(notaMedia) as average_rating,
        as_bigint(numeroVotos) as vote_count
    from title_lines
)

select * from final
