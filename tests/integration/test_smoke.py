async def test_create_and_join(tickwire, connect):
    host = await connect("host")
    joined = await host.create_room()
    guest = await connect("guest")
    joined2 = await guest.join(code=joined.code.lower())
    assert joined2.room["id"] == joined.room["id"]
    mirror = await guest.wait_until(lambda m: len([e for e in m.view().values() if e["kind"] == 0]) == 2)
    print(mirror.view())
