"""The public surface: every exported name and every public method or property has a docstring."""

import inspect

import treestore


def public_members(obj):
    for name, member in inspect.getmembers(obj):
        if name.startswith("_"):
            continue
        yield name, member


def test_every_public_name_is_documented():
    missing = []
    for name in treestore.__all__:
        obj = getattr(treestore, name)
        if name in ("ABI_VERSION", "TimestampLike"):
            continue  # constants, documented with #: comments
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for member_name, member in public_members(obj):
                if (inspect.isfunction(member) or isinstance(member, property)) and not inspect.getdoc(
                    member
                ):
                    missing.append(f"{name}.{member_name}")
    assert missing == []


def test_all_names_exist():
    for name in treestore.__all__:
        assert hasattr(treestore, name), name


def test_the_package_is_typed():
    import importlib.resources

    assert importlib.resources.files("treestore").joinpath("py.typed").is_file()
