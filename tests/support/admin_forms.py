"""Fill in a Django admin change form the way a browser would submit it."""


def _value(bound_field):
    value = bound_field.value()
    if value is True:
        return "on"
    if value in (None, False):
        return None
    return value


def change_form_data(response) -> dict:
    """POST data for the admin change page in `response`: the main form and every inline
    formset (management forms included), with the values the page shows."""
    data: dict = {}
    form = response.context["adminform"].form
    for bound in form:
        value = _value(bound)
        if value is not None:
            data[bound.html_name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        # Leave the blank "add another" rows out, as if the admin removed them.
        data[formset.management_form["TOTAL_FORMS"].html_name] = formset.initial_form_count()
        for row in formset.initial_forms:
            for bound in row:
                value = _value(bound)
                if value is not None:
                    data[bound.html_name] = value
    return data


def row_prefix(data: dict, target: str) -> str:
    """The form prefix of the inline row whose MOSIP field is `target`."""
    for key, value in data.items():
        if key.endswith("-target") and value == target:
            return key.removesuffix("-target")
    raise KeyError(target)
